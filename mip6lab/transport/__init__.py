"""mip6lab.transport"""
