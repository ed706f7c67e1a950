"""mip6lab.scenarios"""
