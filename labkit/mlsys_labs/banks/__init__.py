"""Question banks, one module per lab: ``lab_<lab id>.py`` defining ``LAB = LabSpec(...)``.

Expected values are computed only by calling ``mlsysim_core`` (zoo entries and resolvers) on the
student's variant. See ``lab_00_hello_roofline.py`` for the pattern and :mod:`mlsys_labs.questions`
for the API.
"""
