"""ts-daq's Python client: `Client` talks to the daemon over gRPC (`daq_client.aio.AsyncClient`
the same for asyncio); `daq_client.ring` reads the shared-memory ring buffer directly.

The gRPC client is imported on first use (`daq_client.Client`), so `import daq_client.ring`
needs only pyarrow and numpy, not grpc.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from daq_client.client import Client, DaqError, document_dict, summary_dict

__all__ = ["Client", "DaqError", "document_dict", "summary_dict"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from daq_client import client

        return getattr(client, name)
    raise AttributeError(f"module 'daq_client' has no attribute {name!r}")
