"""mip6lab.net"""
