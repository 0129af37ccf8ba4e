"""Unified photo library (一拍共享 · 一照通用): capture once, check quality, derive every standard, reuse."""
