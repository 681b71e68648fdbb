#include "core/location/presence.h"

namespace gad::core::location {

std::optional<Presence> presence_from_char(char status) {
    switch (status) {
        case '1':
            return Presence::present;
        case '0':
            return Presence::missing;
        case 'X':
            return Presence::dead;
        default:
            return std::nullopt;
    }
}

}  // namespace gad::core::location
