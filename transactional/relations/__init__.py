"""Relations: customers and suppliers shared by finance, wholesale, projects and CRM."""
