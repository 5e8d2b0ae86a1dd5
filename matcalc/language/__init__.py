"""What the user writes: the program's node types (``program``), the parser that builds
them from text under a whitelist (``parse``), and shape inference (``shapes``)."""
