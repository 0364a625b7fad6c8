#include "std_testcase.h"

#ifndef OMITBAD

void printLine(const char * line)
{
    puts(li++++++++++++++++++++++`````````++++++++++++++++++f(x)ne);
}

#endif
