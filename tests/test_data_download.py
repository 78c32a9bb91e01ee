"""Downloading MNIST-family files (from a local HTTP server) and finding them on disk."""

from __future__ import annotations

import functools
import hashlib
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from scratchnn.data import (
    MD5,
    DatasetUnavailableError,
    default_data_dir,
    download_mnist,
    find_or_download,
    load_mnist,
    user_cache_dir,
)
from scratchnn.data import download as download_module
from scratchnn.errors import DataFormatError

UNREACHABLE = "http://127.0.0.1:1/"
FASHION_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fashion-mnist"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002
        pass


@pytest.fixture
def serve():
    """serve(folder) -> base URL of an HTTP server on 127.0.0.1 that serves the folder."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """No test sees the user's cache, SCRATCHNN_DATA or system folders."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("SCRATCHNN_DATA", raising=False)
    monkeypatch.setattr(download_module, "SYSTEM_DIRS", {})


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_checksums_match_the_shared_files(mnist_dir):
    for name, expected in MD5["mnist"].items():
        assert md5(mnist_dir / name) == expected


def test_download_verifies_and_stores_the_files(mnist_dir, serve, tmp_path):
    folder = download_mnist("mnist", tmp_path / "cache", mirrors=[serve(mnist_dir)])
    assert folder == tmp_path / "cache" / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(MD5["mnist"])
    for name, expected in MD5["mnist"].items():
        assert md5(folder / name) == expected
    x, y = load_mnist(folder, split="test")
    assert x.shape == (10000, 784) and y[:3].tolist() == [7, 2, 1]
    again = download_mnist("mnist", tmp_path / "cache", mirrors=[UNREACHABLE])
    assert again == folder  # verified files are kept; nothing is fetched


def test_download_falls_back_to_the_next_mirror(mnist_dir, serve, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    mirrors = [UNREACHABLE, serve(empty), serve(mnist_dir)]
    folder = download_mnist("mnist", tmp_path / "cache", mirrors=mirrors)
    assert md5(folder / "t10k-labels-idx1-ubyte.gz") == MD5["mnist"]["t10k-labels-idx1-ubyte.gz"]


def test_download_replaces_a_corrupt_cached_file(mnist_dir, serve, tmp_path):
    folder = tmp_path / "cache" / "mnist"
    folder.mkdir(parents=True)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not the labels")
    download_mnist("mnist", tmp_path / "cache", mirrors=[serve(mnist_dir)])
    assert md5(folder / "t10k-labels-idx1-ubyte.gz") == MD5["mnist"]["t10k-labels-idx1-ubyte.gz"]


def test_corrupt_download_is_a_checksum_error_and_leaves_nothing(serve, tmp_path):
    bad = tmp_path / "bad-mirror"
    bad.mkdir()
    for name in MD5["mnist"]:
        (bad / name).write_bytes(b"\x1f\x8b corrupted " + name.encode())
    url = serve(bad)
    with pytest.raises(DataFormatError, match=r"-ubyte\.gz.*MD5 [0-9a-f]{32}.*[0-9a-f]{32}"):
        download_mnist("mnist", tmp_path / "cache", mirrors=[url])
    assert list((tmp_path / "cache" / "mnist").iterdir()) == []


def test_no_network_is_one_clear_error(tmp_path):
    with pytest.raises(DatasetUnavailableError) as caught:
        download_mnist("fashion-mnist", tmp_path / "cache", mirrors=[UNREACHABLE])
    message = str(caught.value)
    for option in ("--data PATH", "SCRATCHNN_DATA", "apt-get install dataset-fashion-mnist"):
        assert option in message
    assert "digits" in message and "127.0.0.1:1" in message
    assert caught.value.short() in message and len(caught.value.short()) < len(message)
    assert list((tmp_path / "cache" / "fashion-mnist").iterdir()) == []


def test_default_data_dir_follows_the_environment(tmp_path, monkeypatch):
    assert default_data_dir() == user_cache_dir() == tmp_path / "xdg-cache" / "scratchnn"
    monkeypatch.setenv("SCRATCHNN_DATA", str(tmp_path / "mine"))
    assert default_data_dir() == tmp_path / "mine"
    assert user_cache_dir() == tmp_path / "xdg-cache" / "scratchnn"


# ----- find_or_download -----------------------------------------------------------------------


def copy_kind(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in MD5["mnist"]:
        (folder / name).symlink_to(source / name)
    return folder


def test_find_uses_an_explicit_folder_first(mnist_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHNN_DATA", str(tmp_path / "elsewhere"))
    assert find_or_download("mnist", mnist_dir, mirrors=[UNREACHABLE]) == mnist_dir
    nested = copy_kind(mnist_dir, tmp_path / "datasets" / "mnist")
    assert find_or_download("mnist", tmp_path / "datasets", mirrors=[UNREACHABLE]) == nested


def test_find_uses_the_environment_then_the_cache(mnist_dir, tmp_path, monkeypatch):
    cached = copy_kind(mnist_dir, tmp_path / "xdg-cache" / "scratchnn" / "mnist")
    assert find_or_download("mnist", mirrors=[UNREACHABLE]) == cached
    monkeypatch.setenv("SCRATCHNN_DATA", str(tmp_path / "env"))
    assert find_or_download("mnist", mirrors=[UNREACHABLE]) == cached
    from_env = copy_kind(mnist_dir, tmp_path / "env" / "mnist")
    assert find_or_download("mnist", mirrors=[UNREACHABLE]) == from_env


@pytest.fixture
def fashion() -> Path:
    if not (FASHION_DIR / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"Fashion-MNIST files not found in {FASHION_DIR}")
    return FASHION_DIR


def test_find_uses_the_system_folder_for_fashion(fashion, monkeypatch):
    monkeypatch.setattr(download_module, "SYSTEM_DIRS", {"fashion-mnist": (fashion,)})
    assert find_or_download("fashion-mnist", mirrors=[UNREACHABLE]) == fashion
    with pytest.raises(DatasetUnavailableError):
        find_or_download("mnist", mirrors=[UNREACHABLE])


def test_find_without_download_names_the_places(tmp_path):
    with pytest.raises(
        DatasetUnavailableError, match=r"MNIST files not found.*Looked in.*xdg-cache"
    ) as caught:
        find_or_download("mnist", tmp_path / "nothing", download=False)
    assert str(tmp_path / "nothing") in str(caught.value)
    assert "--data PATH" in str(caught.value)


def test_find_downloads_into_the_explicit_folder(mnist_dir, serve, tmp_path):
    folder = find_or_download("mnist", tmp_path / "data", mirrors=[serve(mnist_dir)])
    assert folder == tmp_path / "data" / "mnist"
    np.testing.assert_array_equal(load_mnist(folder, "test")[1], load_mnist(mnist_dir, "test")[1])


def test_find_reports_a_failed_download(tmp_path):
    with pytest.raises(
        DatasetUnavailableError, match="not found and could not be downloaded.*Looked in.*Tried"
    ):
        find_or_download("mnist", mirrors=[UNREACHABLE])


def test_find_rejects_unknown_kinds():
    with pytest.raises(ValueError, match="kind"):
        find_or_download("cifar10", download=False)


def test_download_of_fashion_mnist(fashion, serve, tmp_path):
    folder = download_mnist("fashion-mnist", tmp_path / "cache", mirrors=[serve(fashion)])
    assert load_mnist(folder, "test", kind="fashion-mnist")[1][:3].tolist() == [9, 2, 1]
