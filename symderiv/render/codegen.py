"""placeholder"""
def appendix_blocks(problem):
    return []
