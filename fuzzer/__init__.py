"""parity-fuzz: a property-based differential fuzzer for two implementations of one HTTP contract."""
