// softphone: filled in by its feature.
