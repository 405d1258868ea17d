"""Dense retrieval for the site search (issue 16): passages of every search entry are embedded
by a local model, stored in the database and memory-mapped by the workers, and fused with the
lexical ranking in ``search.engine.search``."""
