"""ts-daq's Python client: `Client` talks to the daemon over gRPC; `daq_client.ring` reads the
shared-memory ring buffer directly."""

from daq_client.client import Client, DaqError, document_dict, summary_dict

__all__ = ["Client", "DaqError", "document_dict", "summary_dict"]
