// A public header that is fine.
#pragma once
