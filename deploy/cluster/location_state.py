"""Print whether the webserver has loaded a code location: loaded, loading, error or absent.

deploy/cluster/up.sh calls it until the answer is `loaded`: runs can be submitted only then.

    python location_state.py HOST PORT LOCATION
"""

from __future__ import annotations

import json
import sys
import urllib.request

QUERY = ("{ workspaceOrError { __typename ... on Workspace { locationEntries { name "
         "loadStatus locationOrLoadError { __typename } } } } }")


def location_state(host: str, port: int, location: str) -> str:
    """The code location's state as the webserver's GraphQL API reports it."""
    request = urllib.request.Request(
        f"http://{host}:{port}/graphql", data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        workspace = json.load(reply)["data"]["workspaceOrError"]
    for entry in workspace.get("locationEntries", []):
        if entry["name"] != location:
            continue
        if entry["loadStatus"] != "LOADED":
            return "loading"
        loaded = (entry["locationOrLoadError"] or {}).get("__typename")
        return "loaded" if loaded == "RepositoryLocation" else "error"
    return "absent"


if __name__ == "__main__":
    try:
        print(location_state(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
    except OSError:  # not listening yet
        print("no answer")
