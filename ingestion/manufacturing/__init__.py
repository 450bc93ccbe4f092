"""Reading the files a manufacturer brings (work centres, items, BOMs, routings, a sales
plan, opening stock) into the typed rows of the loaders in ``transactional.manufacturing``."""
