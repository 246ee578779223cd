"""Print the requirements of apache-superset's driver extras named on the command line.

Usage: python driver-requirements.py trino,snowflake

The versions come from the installed apache-superset's own metadata (its
[project.optional-dependencies]), so each driver is installed within the range that Superset
release declares. An unknown extra fails the build with the list of known ones.
"""
import sys
from importlib.metadata import distribution

from packaging.requirements import Requirement

wanted = [name.strip() for name in (sys.argv[1] if len(sys.argv) > 1 else "").split(",") if name.strip()]
dist = distribution("apache-superset")
known = sorted(set(dist.metadata.get_all("Provides-Extra") or []))
unknown = [name for name in wanted if name not in known]
if unknown:
    sys.exit(f"DRIVERS names no extra of apache-superset {dist.version}: {', '.join(unknown)} (known: {', '.join(known)})")
for requirement in map(Requirement, dist.requires or []):
    marker = requirement.marker
    if marker is None:
        continue
    for name in wanted:
        if marker.evaluate({"extra": name}):
            print(f"{requirement.name}{requirement.specifier}")
            break
