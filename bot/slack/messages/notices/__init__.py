"""What the bot says about the fleet and its rails: reminders and the cost view, leases, schedules,
budgets, protections and owners, and launches."""
