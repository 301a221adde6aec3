"""The governance portal: a MkDocs (Material) site of every document the catalog writes."""
