from .fc_discriminator import FCDiscriminator
