// Defines std::ios_base_library_init(), the one GLIBCXX_3.4.32 symbol that TorchSharp's libLibTorchSharp.so
// needs. libstdc++ 13 added it to run iostream initialisation; constructing a static ios_base::Init does the
// same on older libstdc++ (Debian 12 ships GLIBCXX_3.4.30). Built and linked by TorchSharpGlibcxxFix.targets.
#include <ios>

namespace std {
void ios_base_library_init()
{
    static ios_base::Init init;
}
}
