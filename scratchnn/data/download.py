"""Getting MNIST-family files: find them on disk, or download them with checksums into a cache.

Downloads use only the standard library (urllib). Each file goes to a temporary file beside its
destination, its MD5 is compared with the published one, and only then is it renamed into place
(os.replace), so an interrupted or corrupted download never leaves a file that looks complete.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from scratchnn.data.mnist import check_kind, find_split
from scratchnn.errors import DataFormatError, DatasetUnavailableError

ENV_VAR = "SCRATCHNN_DATA"
OFFLINE_VAR = "SCRATCHNN_OFFLINE"  # set to 1 to never download (tests, air-gapped machines)
MIRRORS = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
}
MD5 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}
# Where system packages put the files (Debian: `apt-get install dataset-fashion-mnist`).
SYSTEM_DIRS = {"fashion-mnist": (Path("/usr/share/datasets/fashion-mnist"),)}
TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}


def options(kind: str) -> str:
    """The ways to get a data set, for the message of DatasetUnavailableError."""
    return (
        f"To fix: pass --data PATH (a folder with the four IDX .gz files, or {kind}_train.csv "
        f"and {kind}_test.csv) or set {ENV_VAR}=PATH; on Debian or Ubuntu, `apt-get install "
        "dataset-fashion-mnist` installs Fashion-MNIST in /usr/share/datasets/fashion-mnist; or "
        "use the bundled 8x8 digits, which need no files (--dataset digits)."
    )


NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)
_CHUNK = 1 << 20


def user_cache_dir() -> Path:
    """The user cache: $XDG_CACHE_HOME/scratchnn, by default ~/.cache/scratchnn."""
    return Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "scratchnn"


def default_data_dir() -> Path:
    """Where downloads go unless told: $SCRATCHNN_DATA if set, else user_cache_dir()."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    return user_cache_dir()


def find_or_download(
    kind: str,
    data: str | os.PathLike | None = None,
    *,
    download: bool = True,
    mirrors: Sequence[str] | None = None,
) -> Path:
    """The folder holding both splits of `kind`, downloading them when no folder has them.

    Looks in `data` (the CLI's --data), $SCRATCHNN_DATA, the cache (~/.cache/scratchnn) and the
    system folder of a distribution package, each directly or in its `<kind>/` subfolder; then
    downloads into `<first of data, $SCRATCHNN_DATA, cache>/<kind>` (unless $SCRATCHNN_OFFLINE
    is set to something other than 0). Raises
    DatasetUnavailableError, with one message listing the options, when that fails too.
    """
    check_kind(kind)
    places = [Path(p).expanduser() for p in (data, os.environ.get(ENV_VAR)) if p]
    places += [user_cache_dir(), *SYSTEM_DIRS.get(kind, ())]
    for place in places:
        found = [find_split(place, split, kind) for split in ("train", "test")]
        if all(found):
            return found[0][0].parent
    looked = "Looked in " + ", ".join(str(p) for p in places) + "."
    if not download or os.environ.get(OFFLINE_VAR, "0") not in ("", "0"):
        raise DatasetUnavailableError(
            f"{TITLES[kind]} files not found (downloading is off).", f"{looked} {options(kind)}"
        )
    try:
        return download_mnist(kind, places[0], mirrors)
    except DatasetUnavailableError as error:
        raise DatasetUnavailableError(error.reason, f"{looked} {error.options}") from None


def download_mnist(
    kind: str = "mnist",
    cache_dir: str | os.PathLike | None = None,
    mirrors: Sequence[str] | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download the four official .gz files of `kind` into `<cache_dir>/<kind>`; the folder.

    cache_dir defaults to default_data_dir() ($SCRATCHNN_DATA, else ~/.cache/scratchnn).
    Files already there with the right MD5 are kept. Each file is tried on each mirror in turn
    (default: MIRRORS[kind]). A file whose MD5 differs on every mirror is a DataFormatError;
    no mirror reachable is a DatasetUnavailableError.
    """
    check_kind(kind)
    folder = Path(cache_dir or default_data_dir()).expanduser() / kind
    folder.mkdir(parents=True, exist_ok=True)
    for name, md5 in MD5[kind].items():
        target = folder / name
        if target.is_file() and _md5(target) == md5:
            continue
        failures: list[tuple[str, object]] = []
        corrupt: list[DataFormatError] = []
        for mirror in mirrors or MIRRORS[kind]:
            url = mirror.rstrip("/") + "/" + name
            try:
                _fetch(url, target, md5, timeout)
                break
            except NETWORK_ERRORS as error:
                failures.append((url, getattr(error, "reason", error)))
            except DataFormatError as error:
                corrupt.append(error)
        else:
            if corrupt:
                raise DataFormatError("; ".join(map(str, corrupt)))
            raise DatasetUnavailableError(
                f"{TITLES[kind]} files not found and could not be downloaded ({failures[0][1]}).",
                "Tried "
                + "; ".join(f"{url} ({why})" for url, why in failures)
                + ". "
                + options(kind),
            )
    return folder


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch(url: str, target: Path, md5: str, timeout: float) -> None:
    """url → target through a temporary file, renamed into place only when its MD5 matches."""
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    try:
        digest = hashlib.md5(usedforsecurity=False)
        with (
            os.fdopen(handle, "wb") as out,
            urllib.request.urlopen(url, timeout=timeout) as response,
        ):
            size = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(
                total=size,
                unit="B",
                unit_scale=True,
                desc=target.name,
                leave=False,
                disable=not sys.stderr.isatty(),
            ) as bar:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
        if digest.hexdigest() != md5:
            raise DataFormatError(
                f"{url}: MD5 {digest.hexdigest()} differs from the published {md5} for "
                f"{target.name}; the download was discarded"
            )
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
