"""mip6lab.widgets"""
