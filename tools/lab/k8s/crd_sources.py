"""Write crd_sources.json: where each CRD file of the upstream data comes from, and its sha256.

`lab k8s crds --fetch` uses it to download the same files on a machine without the data, and refuses any
file whose checksum differs. Run from a checkout with ../shared/upstream beside it:

    python3 -m tools.lab.k8s.crd_sources
"""

import hashlib
import json

from tools.lab.k8s import crds

# component directory in the data -> (upstream repository, tag for a version, path of a file in the repository)
ORIGINS = {
    "cert-manager": ("cert-manager/cert-manager", "{version}", "deploy/crds/{file}"),
    "metallb": ("metallb/metallb", "v{version}", "config/crd/bases/{file}"),
    "postgres-operator": ("CrunchyData/postgres-operator", "{version}", "config/crd/bases/{file}"),
    "istio": ("istio/istio", "{version}", "manifests/charts/base/files/{file}"),
}


def sources(root):
    """{relative set directory: [{file, repo, ref, path, sha256}]} for every version the data holds."""
    result = {}
    for crd_set in crds.SETS.values():
        component = crd_set.directory.split("/", 1)[0]
        repo, ref, path = ORIGINS[component]
        for version_dir in sorted((root / component).iterdir()):
            relative = crd_set.relative_dir(version_dir.name)
            files = sorted((root / relative).glob("*.yaml"))
            if not files:
                continue
            result[relative] = [{"file": file.name, "repo": repo, "ref": ref.format(version=version_dir.name),
                                 "path": path.format(file=file.name), "sha256": hashlib.sha256(file.read_bytes()).hexdigest()}
                                for file in files]
    return result


def main():
    """Regenerate the file from the data root."""
    crds.SOURCES_FILE.write_text(json.dumps(sources(crds.data_root()), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {crds.SOURCES_FILE}")


if __name__ == "__main__":
    main()
