# zero: every cost 0 and the model's default cache geometry. This file only
# documents it: the name "zero" is built into the model and never read from
# here. No device keys either: bench io and compare then give the NVMe model
# no rate limit and a 10 us service time, so rates stay finite.
