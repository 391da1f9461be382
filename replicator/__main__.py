"""``python -m replicator`` runs the command-line interface."""

from replicator.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
