"""mip6lab.wire"""
