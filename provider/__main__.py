"""Host ProtectedContent and EdgeCheck as a Pulumi component provider (schema from their types).

The Pulumi CLI runs ``python <this directory> <engine address>``; the repository root (the
parent directory) holds the component's code, the edge handler and the error pages, which
the component finds by its own file paths, whatever the working directory is.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Package name, as TypeScript (@pulumi/protected-cdn), YAML and the schema see it.
PACKAGE = "protected-cdn"
VERSION = "0.1.0"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from pulumi.provider.experimental import component_provider_host

    from components import EdgeCheck, ProtectedContent

    component_provider_host(components=[ProtectedContent, EdgeCheck], name=PACKAGE, version=VERSION)


if __name__ == "__main__":
    main()
