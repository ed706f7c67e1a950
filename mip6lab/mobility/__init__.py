"""mip6lab.mobility"""
