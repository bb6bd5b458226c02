"""Fill Solara's CDN proxy cache from the npm registry, so the dashboard works offline.

Solara's page loads its front-end (requirejs, font-awesome, the solara-vuetify app bundle)
through the server's ``/_solara/cdn/<pkg>@<ver>/<file>`` proxy, which serves files from a cache
directory and, on a miss, fetches them from cdn.jsdelivr.net. Without internet access that fetch
fails and the page never leaves the loader. This script puts the packages into the cache with the
ordinary npm client (``npm pack pkg@ver``), which only needs the npm registry.

Usage (standard library only; run with the Python of the environment that has solara)::

    .venv/bin/python scripts/fetch_solara_assets.py          # fetch what is missing
    .venv/bin/python scripts/fetch_solara_assets.py --list   # only print what is needed

Cache directory: ``$SOLARA_ASSETS_PROXY_CACHE_DIR`` if set, else ``<sys.prefix>/share/solara/cdn``
(Solara's own default). Packages already present are skipped, so a second run is quick and does
not need npm at all. Versions are read from the installed solara package (its page template and
settings) and fall back to a hard-coded list if that fails.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import re
import shutil
import site
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# Used when the versions cannot be read from the installed solara (checked with solara 1.64.1,
# ipyvue 1.x / ipyvuetify 1.x, i.e. the Vue 2 front-end).
FALLBACK_PACKAGES = [
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "@widgetti/solara-vuetify-app@10.1.1",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",  # solara.GridDraggable, used by Mesa's SolaraViz
]
# Only with --markdown: solara.Markdown loads these on mount (Mesa's CommandConsole uses it).
FALLBACK_MARKDOWN = ["katex@0.16.9", "mermaid@10.8.0"]
# The Vue 3 front-end (ipyvue >= 3) uses this bundle instead of solara-vuetify-app.
VUE3_APP = "@widgetti/solara-vuetify3-app"
VUE2_APP = "@widgetti/solara-vuetify-app"

# "{{cdn}}/<pkg>@<version>/..." in solara's page template; pkg may be scoped (@scope/name).
TEMPLATE_RE = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@\d[\w.+-]*)/")
# `${this.getCdn()}/<pkg>@<version>/...` in solara's Vue/Python components.
COMPONENT_RE = re.compile(r"getCdn\(\)\}/((?:@[\w.-]+/)?[\w.-]+@\d[\w.+-]*)/")
# fontawesome_path: str = "/font-awesome@4.5.0/css/font-awesome.min.css" in solara's settings.
FONTAWESOME_RE = re.compile(r"fontawesome_path\s*:\s*str\s*=\s*[\"']/?([\w.-]+@\d[\w.+-]*)/")
SPEC_RE = re.compile(r"^(?:@[\w.-]+/)?[\w.-]+@\d[\w.+-]*$")


def log(msg: str) -> None:
    print(f"fetch_solara_assets: {msg}", flush=True)


def env_get(name: str) -> str | None:
    """Read an environment variable case-insensitively, as solara's settings do."""
    for key, value in os.environ.items():
        if key.upper() == name:
            return value
    return None


def solara_dir() -> Path | None:
    spec = importlib.util.find_spec("solara")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def cache_dir(solara_path: Path | None) -> Path:
    configured = env_get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    # mirror solara.server.settings: a user-site install uses the user base as prefix
    prefix = sys.prefix
    userbase = site.getuserbase()
    if solara_path is not None and userbase and str(solara_path).startswith(userbase):
        prefix = userbase
    return Path(prefix) / "share" / "solara" / "cdn"


def major_version(dist: str) -> int | None:
    try:
        return int(importlib.metadata.version(dist).split(".")[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None


def _component_specs(path: Path) -> list[str]:
    """``pkg@ver`` specs a solara component loads through the CDN (requirejs excluded)."""
    found = []
    for spec in COMPONENT_RE.findall(path.read_text(encoding="utf-8")):
        if not spec.startswith("requirejs@") and spec not in found:
            found.append(spec)
    return found


def needed_packages(solara_path: Path | None, markdown: bool = False) -> list[str]:
    """The npm package@version specs the Solara page requests through its CDN proxy."""
    fallback = FALLBACK_PACKAGES + (FALLBACK_MARKDOWN if markdown else [])
    if solara_path is None:
        log("solara is not installed in this environment; using the built-in package list")
        return list(fallback)
    vue3 = (major_version("ipyvue") or 1) >= 3
    try:
        template = (solara_path / "server/templates/solara.html.j2").read_text(encoding="utf-8")
        settings = (solara_path / "server/settings.py").read_text(encoding="utf-8")
        grid_vue = solara_path / "widgets/vue" / ("gridlayout_v3.vue" if vue3 else "gridlayout.vue")
        component_specs = _component_specs(grid_vue)
        if markdown:
            component_specs += _component_specs(solara_path / "components/markdown.py")
    except OSError as exc:
        log(f"could not read solara's sources ({exc}); using the built-in package list")
        return list(fallback)

    specs: list[str] = []
    for spec in TEMPLATE_RE.findall(template):
        name = spec.rsplit("@", 1)[0]
        if name == (VUE2_APP if vue3 else VUE3_APP):
            continue  # only one of the two front-ends is ever loaded
        if spec not in specs:
            specs.append(spec)

    fa_path = env_get("SOLARA_ASSETS_FONTAWESOME_PATH")
    fa_match = (
        re.match(r"/?([\w.-]+@\d[\w.+-]*)/", fa_path)
        if fa_path
        else FONTAWESOME_RE.search(settings)
    )
    fa_enabled = (env_get("SOLARA_ASSETS_FONTAWESOME_ENABLED") or "true").lower()
    if fa_match and fa_enabled not in ("0", "false", "no", "off"):
        specs.append(fa_match.group(1))
    specs += [s for s in component_specs if s not in specs]

    # anything the parsing missed (changed template layout) comes from the fallback list
    names = {s.rsplit("@", 1)[0] for s in specs}
    app_names = (VUE2_APP, VUE3_APP)
    for spec in fallback:
        name = spec.rsplit("@", 1)[0]
        if name in names or (name in app_names and names & set(app_names)):
            continue
        if name == "font-awesome" and fa_enabled in ("0", "false", "no", "off"):
            continue
        log(f"{name} not found in solara's sources; using the built-in {spec}")
        specs.append(spec)
    return specs


def is_present(target: Path) -> bool:
    return (target / "package.json").is_file()


def extract(tarball: Path, dest: Path) -> None:
    """Unpack an npm tarball, dropping its top-level directory (normally ``package/``)."""
    with tarfile.open(tarball, "r:gz") as tar:
        members = []
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if len(parts) < 2 or not (member.isfile() or member.isdir()):
                continue
            member.name = str(Path(*parts[1:]))
            members.append(member)
        tar.extractall(dest, members=members, filter="data")


def fetch(spec: str, npm: str, cache: Path) -> None:
    target = cache / spec
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=target.parent) as tmp:
        tmp_path = Path(tmp)
        result = subprocess.run(
            [npm, "pack", spec, "--silent"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        tarballs = list(tmp_path.glob("*.tgz"))
        if result.returncode != 0 or len(tarballs) != 1:
            raise RuntimeError(
                f"`npm pack {spec}` failed (exit {result.returncode}): "
                f"{(result.stderr or result.stdout).strip()[-2000:]}"
            )
        unpacked = tmp_path / "unpacked"
        extract(tarballs[0], unpacked)
        if not is_present(unpacked):
            raise RuntimeError(f"the npm tarball of {spec} has no package.json")
        if target.exists():  # incomplete leftover (no package.json): replace it
            shutil.rmtree(target)
        unpacked.rename(target)  # same filesystem: atomic, so a half-written copy never shows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print the needed packages and exit")
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="also fetch katex and mermaid, which solara.Markdown loads (not needed by SolaraViz)",
    )
    parser.add_argument("extra", nargs="*", help="additional npm specs to fetch, e.g. vega@5.30.0")
    args = parser.parse_args(argv)

    solara_path = solara_dir()
    cache = cache_dir(solara_path)
    specs = needed_packages(solara_path, markdown=args.markdown)
    specs += [s for s in args.extra if s not in specs]
    bad = [s for s in specs if not SPEC_RE.match(s)]
    if bad:
        log(f"refusing unexpected package specs: {bad}")
        return 1
    if args.list:
        for spec in specs:
            state = "present" if is_present(cache / spec) else "missing"
            print(f"{spec}\t{state}\t{cache / spec}")
        return 0

    missing = [s for s in specs if not is_present(cache / s)]
    if not missing:
        log(f"all {len(specs)} packages already in {cache}")
        return 0

    npm = env_get("NPM") or shutil.which("npm")
    if not npm:
        log(
            "error: `npm` was not found on PATH, but it is needed to download the Solara front-end "
            f"assets ({', '.join(missing)}) from the npm registry into {cache}.\n"
            "  Install Node.js/npm (e.g. `apt-get install -y npm`) and rerun "
            "`make venv`, or set NPM=/path/to/npm.\n"
            "  Without these files the Solara dashboard only works with internet access "
            "(it then fetches them from cdn.jsdelivr.net)."
        )
        return 1

    for spec in missing:
        log(f"fetching {spec} -> {cache / spec}")
        try:
            fetch(spec, npm, cache)
        except (OSError, RuntimeError, tarfile.TarError) as exc:
            log(f"error: {exc}")
            return 1
    log(f"done: {len(missing)} fetched, {len(specs) - len(missing)} already present in {cache}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
