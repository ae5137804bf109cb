"""longvid: an end-to-end reproduction of the thesis "Long Video Generation using the VAE-GAN method"."""

__version__ = "0.1.0"
