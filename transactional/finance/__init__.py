"""Finance: chart of accounts, journals, periods, posting, invoices and payments."""
