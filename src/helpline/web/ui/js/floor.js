// floor: filled in by its feature.
