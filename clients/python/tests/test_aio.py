"""daq_client.aio.AsyncClient against a real daemon: the same answers as the blocking client, from
asyncio code, with calls running concurrently and streams that end when the loop leaves them."""

from __future__ import annotations

import asyncio

import pytest

from daq_client.aio import AsyncClient
from daq_client.client import DaqError

from conftest_daemon import ROOT


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, timeout=120))


def test_devices_and_commands(daemon):
    async def main():
        async with AsyncClient(daemon.address) as client:
            assert (await client.info())["lab"] == "Simulated optics lab"
            stage = await client.device("stage")
            assert stage["limits"] == (0, 50) and stage["units"] == "mm"
            # A move and other commands at the same time: the reads do not wait for the move.
            position, reading, _ = await asyncio.gather(client.move("stage", 20), client.read("thermometer"), client.set_wavelength("laser", 780))
            assert position == pytest.approx(20)
            assert reading["units"] == "degC"
            assert (await client.device("laser"))["settings"]["wavelength"] == pytest.approx(780)
            assert (await client.device("stage"))["position"] == pytest.approx(20)
            await client.set_roi("camera", 0, 0, 512, 256)
            assert (await client.device("camera"))["camera"]["frame_width"] == 512
            await client.set_roi("camera", 0, 0, 1024, 1024)
            with pytest.raises(DaqError) as error:
                await client.move("stage", 51)
            assert error.value.code == "OUT_OF_RANGE"

    run(main())


def test_a_run_followed_live(daemon):
    async def main():
        async with AsyncClient(daemon.address) as client:
            summary = await client.run(ROOT / "examples" / "simple_scan.js", params={"steps": 3}, wait=False)
            kinds = [d["kind"] async for d in client.follow(summary["uid"])]
            assert kinds[0] == "start" and kinds[-1] == "stop" and kinds.count("event") == 3
            finished = await client.get_run(summary["uid"])
            assert finished["exit_status"] == "success" and finished["num_events"] == {"scan": 3}
            assert summary["uid"] in [r["uid"] for r in await client.runs()]
            # The run's file is finished in the background after its stop document: wait for it (a budget, not a guess).
            for _ in range(2400):
                if (await client.get_run(summary["uid"]))["file_finished"]:
                    break
                await asyncio.sleep(0.05)
            table = await client.run_table(summary["uid"], "scan")
            assert table.column("position").to_pylist() == pytest.approx([0, 12.5, 25])

    run(main())


def test_leaving_a_stream_cancels_it(daemon):
    async def main():
        async with AsyncClient(daemon.address) as client:
            seen = 0
            async for values in client.stream_values(["thermometer"], max_rate_hz=50):
                assert values["readings"]["thermometer"]["units"] == "degC"
                seen += 1
                if seen == 3:
                    break
            # The channel still works after the stream was left.
            assert (await client.read("thermometer"))["units"] == "degC"

    run(main())
