"""A caproto IOC for the epics-ca tests: one motor record and two numeric PVs.

m1    motor record driven by caproto's own motor simulator (caproto.ioc_examples.fake_motor_record:
      VAL, RBV, DMOV, STOP, LLM, HLM, MRES...), EGU "mm", 20 mm/s, soft limits -5..50 mm
volt  an ao record in V (writable)
temp  an ai record in degC (read-only)

The test runs it with EPICS_CA_SERVER_PORT=<free port> and EPICS_CAS_INTF_ADDR_LIST=127.0.0.1.
"""
from caproto.ioc_examples.fake_motor_record import motor_record_simulator
from caproto.server import PVGroup, SubGroup, ioc_arg_parser, pvproperty, run


class Motor(PVGroup):
    motor = pvproperty(value=0.0, name="", record="motor", precision=3)

    @motor.startup
    async def motor(self, instance, async_lib):
        await instance.field_inst.engineering_units.write("mm")
        await motor_record_simulator(
            instance, async_lib,
            dict(velocity=20.0, precision=3, acceleration=0.1, resolution=1e-6, user_limits=(-5.0, 50.0)),
            tick_rate_hz=20.0,
        )


class TestIoc(PVGroup):
    m1 = SubGroup(Motor, prefix="m1")
    volt = pvproperty(value=1.5, name="volt", record="ao", units="V")
    temp = pvproperty(value=21.5, name="temp", record="ai", units="degC", read_only=True)

    @temp.startup
    async def temp(self, instance, async_lib):
        # caproto does not copy `units` into the record's EGU field: set it as an IOC's .db would
        await instance.field_inst.engineering_units.write("degC")

    @volt.startup
    async def volt(self, instance, async_lib):
        await instance.field_inst.engineering_units.write("V")


if __name__ == "__main__":
    options, run_options = ioc_arg_parser(default_prefix="test:", desc="epics-ca test IOC")
    run(TestIoc(**options).pvdb, **run_options)
