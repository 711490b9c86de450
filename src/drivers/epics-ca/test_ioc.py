"""A caproto IOC for the epics-ca tests: one motor record and two numeric PVs.

m1    motor record driven by caproto's own motor simulator (caproto.ioc_examples.fake_motor_record:
      VAL, RBV, DMOV, STOP, LLM, HLM, MRES...), EGU "mm", 20 mm/s, soft limits -5..50 mm (user and
      dial: DIR positive, OFF 0, as a real record derives HLM/LLM from DHLM/DLLM)
m2    the same with every limit 0: HLM = LLM = DHLM = DLLM = 0, which a motor record reads as "no
      soft limits" (motorRecord.cc, softLimitsDefined)
volt  an ao record in V (writable)
temp  an ai record in degC (read-only)

The test runs it with EPICS_CA_SERVER_PORT=<free port> and EPICS_CAS_INTF_ADDR_LIST=127.0.0.1.
"""
from caproto.ioc_examples.fake_motor_record import motor_record_simulator
from caproto.server import PVGroup, SubGroup, ioc_arg_parser, pvproperty, run


class Motor(PVGroup):
    motor = pvproperty(value=0.0, name="", record="motor", precision=3)
    limits = (-5.0, 50.0)

    @motor.startup
    async def motor(self, instance, async_lib):
        await instance.field_inst.engineering_units.write("mm")
        # caproto's simulator writes only the user limits; a real record keeps the dial ones too.
        await instance.field_inst.dial_low_limit.write(self.limits[0])
        await instance.field_inst.dial_high_limit.write(self.limits[1])
        await motor_record_simulator(
            instance, async_lib,
            dict(velocity=20.0, precision=3, acceleration=0.1, resolution=1e-6, user_limits=self.limits),
            tick_rate_hz=20.0,
        )


class UnlimitedMotor(Motor):
    limits = (0.0, 0.0)


class TestIoc(PVGroup):
    m1 = SubGroup(Motor, prefix="m1")
    m2 = SubGroup(UnlimitedMotor, prefix="m2")
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
