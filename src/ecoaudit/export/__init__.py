"""The export layer: the public JSON document and the CSV of a run."""
