"""The staff console: rounds, their phases, the audit log and staff accounts."""
