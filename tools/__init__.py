"""Developer tools of the baremetal.platform repository (not part of the collection)."""
