"""One rule picks the device for training and sampling: `Trainer` (through accelerate) lands where `pick_device` says."""
import torch
from ddpm_nb.train import Trainer, pick_device, pick_precision
from ddpm_nb.unet import MLPDenoiser


def test_trainer_and_sampler_pick_the_same_device():
    x = torch.randn(64, 2)
    for cpu in (True, False):
        tr = Trainer(MLPDenoiser(hidden=8), x, batch_size=8, cpu=cpu)
        assert tr.acc.device.type == pick_device(cpu).type
        assert tr.precision == pick_precision(tr.acc.device, 'fp32') == 'fp32'
        assert Trainer(MLPDenoiser(hidden=8), x, batch_size=8, cpu=cpu, precision='auto').precision == \
            pick_precision(pick_device(cpu), 'auto')
