"""mip6lab.ipv6"""
