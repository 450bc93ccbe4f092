"""Manufacturing: bills of materials, routings, cost prices, production orders, MRP and capacity."""
