-- ABC classification of items per division, window and measure (revenue, margin,
-- quantity; base currency; credit notes net). Windows per period of dim_periods up to the
-- as_of_date var: the 12 months ending with the period and the fiscal year to date
-- (macro abc_mart). The rule: docs/wholesale.md "ABC rule", implemented once by the
-- abc_classify macro; abc_class uses the default thresholds (vars abc_a, abc_b), and the
-- Wholesale page compares value_before / positive_total with the user's thresholds.
-- Items appear in a window when they have sales lines in it; rank is the position in the
-- sort order (value descending, ties by code).
{{ abc_mart('mart_item_sales_monthly', 'item_id', 'item_code', 'item_name', 'item_group_code') }}
