"""Money: what running instances cost, and budgets."""
