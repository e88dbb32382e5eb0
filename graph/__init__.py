"""The store: release builds, read-only serving through query workers, export. The only code that imports pyoxigraph."""
