"""Quality rules from contracts, two engines that run them (Pandera and DuckDB SQL), and metrics."""
