"""HTTP entrypoints: request in, use case in one unit of work, response out."""
