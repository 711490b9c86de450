"""The build of daq_client: generates the gRPC stubs (package `daq.v1`) from the API contract.

The stubs are not committed. They are made here, by grpcio-tools (a build requirement in
pyproject.toml), from `proto/daq/v1/*.proto`: the repository's `proto/` two levels up when
building from a clone (`pip install ./clients/python`, `pip install -e clients/python`), or the
copy of it an sdist carries. Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.egg_info import egg_info
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
# An sdist carries the contract in proto/ beside this file; a clone has it at the repository root.
PROTO_ROOTS = (HERE / "proto", HERE.parents[1] / "proto")


def _proto_root() -> Path:
    for root in PROTO_ROOTS:
        if any((root / "daq" / "v1").glob("*.proto")):
            return root
    raise SystemExit(
        "daq_client: no API contract to generate the gRPC stubs from: looked for daq/v1/*.proto in "
        + " and ".join(str(r) for r in PROTO_ROOTS)
        + " (build from a clone of the repository: pip install ./clients/python)"
    )


def generate_stubs() -> None:
    """Writes daq/v1/*_pb2.py, *_pb2.pyi and *_pb2_grpc.py beside this file, from the .proto files."""
    try:
        from grpc_tools import protoc
    except ImportError as error:  # only without build isolation: pyproject.toml names it
        raise SystemExit(f"daq_client: grpcio-tools is needed to build the package ({error}): pip install grpcio-tools") from None
    import grpc_tools

    root = _proto_root()
    protos = sorted(str(p.relative_to(root)) for p in (root / "daq" / "v1").glob("*.proto"))
    well_known = Path(grpc_tools.__file__).resolve().parent / "_proto"
    out = HERE / "daq" / "v1"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*_pb2*"):
        old.unlink()
    args = ["grpc_tools.protoc", f"-I{root}", f"-I{well_known}", f"--python_out={HERE}", f"--pyi_out={HERE}", f"--grpc_python_out={HERE}", *protos]
    if protoc.main(args) != 0:
        raise SystemExit(f"daq_client: protoc failed on {', '.join(protos)} in {root} (see above)")
    for package in (HERE / "daq", out):
        (package / "__init__.py").touch()


class EggInfoWithStubs(egg_info):
    """egg_info that generates the stubs first: every build (wheel, editable, sdist) starts with
    egg_info, whose file list already needs the package directories daq/ and daq/v1/."""

    def run(self) -> None:
        generate_stubs()
        super().run()


class SdistWithProto(sdist):
    """sdist that carries the .proto files, so a wheel can be built from it away from the repository."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        source = _proto_root() / "daq" / "v1"
        target = Path(base_dir) / "proto" / "daq" / "v1"
        target.mkdir(parents=True, exist_ok=True)
        for proto in source.glob("*.proto"):
            shutil.copy(proto, target / proto.name)


setup(cmdclass={"egg_info": EggInfoWithStubs, "sdist": SdistWithProto})
