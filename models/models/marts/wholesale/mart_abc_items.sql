-- ABC classification of items per division over the 12 calendar months up to and
-- including the month of the as_of_date var, for three measures: revenue, margin and
-- quantity (base currency; credit notes net). The rule: docs/wholesale.md "ABC rule",
-- implemented by the abc_classify macro (thresholds: vars abc_a, abc_b). Items appear
-- when they have sales lines in the period; rank is the position in the sort order
-- (value descending, ties by code).
{{ abc_mart('mart_item_sales_monthly', 'item_id', 'item_code', 'item_name') }}
