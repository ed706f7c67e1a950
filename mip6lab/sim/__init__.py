"""mip6lab.sim"""
