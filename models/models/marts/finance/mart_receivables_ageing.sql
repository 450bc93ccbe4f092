-- Open sales invoices on the ageing date (dbt var as_of_date, default today), by bucket.
{{ ageing_of('sales') }}
