"""Weekly status report: figures from the warehouse, the operations store and runs."""
