"""Organisation: divisions, users and roles, currencies and exchange rates."""
