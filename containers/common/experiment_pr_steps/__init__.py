"""Code shared by the pipeline's step scripts (preprocess, train, evaluate, register).

Each image copies this package next to its scripts. Nothing here keeps state between calls, so every step
reads its options, does its work in one nested MLflow run and exits.
"""
